/**
 * What a viewer page costs: main-thread task and script time from Chromium's own performance
 * metrics (DevTools `Performance.getMetrics`: TaskDuration, ScriptDuration, in seconds), and the
 * CPU time of the browser's processes (`SystemInfo.getProcessInfo`), so a player that moves work
 * off the main thread, into the network service or the GPU process, is still charged for it.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';

/** One page's main-thread time over a window, as percent of one core. */
export interface PageCpu {
  taskPercent: number;
  scriptPercent: number;
}

/** The processes of some browsers over a window, in CPU seconds per wall second (1 = one core). */
export interface ProcessCpu {
  renderers: number;
  /** Every process: browser, renderers, GPU (compositing video), network service. */
  all: number;
}

interface Metrics {
  TaskDuration: number;
  ScriptDuration: number;
  at: number;
}

async function metrics(session: CDPSession): Promise<Metrics> {
  const { metrics: list } = await session.send('Performance.getMetrics');
  const value = (name: string) => list.find((metric) => metric.name === name)?.value ?? 0;
  return {
    TaskDuration: value('TaskDuration'),
    ScriptDuration: value('ScriptDuration'),
    at: performance.now(),
  };
}

/** Starts counting a page's main-thread time; call the result to read it since then. */
export async function watchPageCpu(page: Page): Promise<() => Promise<PageCpu>> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  const start = await metrics(session);
  return async () => {
    const end = await metrics(session);
    const seconds = (end.at - start.at) / 1000;
    await session.detach().catch(() => undefined);
    return {
      taskPercent: (100 * (end.TaskDuration - start.TaskDuration)) / seconds,
      scriptPercent: (100 * (end.ScriptDuration - start.ScriptDuration)) / seconds,
    };
  };
}

interface ProcessTimes {
  byId: Map<string, { type: string; cpuTime: number }>;
  at: number;
}

async function processTimes(browsers: Browser[]): Promise<ProcessTimes> {
  const byId = new Map<string, { type: string; cpuTime: number }>();
  for (const [index, browser] of browsers.entries()) {
    const session = await browser.newBrowserCDPSession();
    const { processInfo } = await session.send('SystemInfo.getProcessInfo');
    await session.detach();
    for (const info of processInfo) byId.set(`${index}:${info.id}`, info);
  }
  return { byId, at: performance.now() };
}

/**
 * Starts counting the CPU of every process of `browsers`; call the result to read it since then.
 * A process that ended in between is charged nothing for the window, one that started is
 * charged all its time.
 */
export async function watchProcessCpu(browsers: Browser[]): Promise<() => Promise<ProcessCpu>> {
  const start = await processTimes(browsers);
  return async () => {
    const end = await processTimes(browsers);
    const seconds = (end.at - start.at) / 1000;
    let renderers = 0;
    let all = 0;
    for (const [id, info] of end.byId) {
      const used = info.cpuTime - (start.byId.get(id)?.cpuTime ?? 0);
      all += used;
      if (info.type === 'renderer') renderers += used;
    }
    return { renderers: renderers / seconds, all: all / seconds };
  };
}
