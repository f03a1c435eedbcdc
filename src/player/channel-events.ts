/**
 * Following a channel from a page: the seeder's server-sent events, with the page's `#status`
 * saying "live" or "reconnecting…". `onOpen` runs on the first connect and on every reconnect,
 * so the page can fetch what was published while no stream was open.
 */
export interface ChannelEventHandlers {
  /** The wire text of each envelope the seeder relays (unverified: the page judges it). */
  onEnvelope: (text: string) => void;
  onOpen: () => void;
}

export function followChannel(channel: string, handlers: ChannelEventHandlers): void {
  const status = document.querySelector<HTMLElement>('#status');
  const show = (text: string, className: string) => {
    if (!status) return;
    status.textContent = text;
    status.className = className;
  };
  const events = new EventSource(`/api/channels/${channel}/events`);
  events.addEventListener('envelope', (event: MessageEvent<string>) =>
    handlers.onEnvelope(event.data),
  );
  events.addEventListener('open', () => {
    show('live', 'live');
    handlers.onOpen();
  });
  events.addEventListener('error', () => show('reconnecting…', 'offline'));
  addEventListener('pagehide', () => events.close());
}
