/**
 * The stage for an audio-only broadcast (a radio stream, a podcast, a talk): the stream's name
 * and a level meter, over the media element, whose controls stay usable. The meter reads the
 * sound through a WebAudio AnalyserNode; it starts with the first unmuted play (browsers start
 * an AudioContext only after a user gesture, and a muted element gives the graph silence).
 */

export interface AudioView {
  /** RMS level of the sound now, 0..1; null until the meter runs (the page is still muted). */
  level(): number | null;
}

/** Takes over `stage` for an audio-only stream. Idempotent per stage. */
export function showAudioView(
  stage: HTMLElement,
  media: HTMLMediaElement,
  name: string,
): AudioView {
  stage.classList.add('audio-only');
  const card = document.createElement('div');
  card.className = 'audio-card';
  const title = document.createElement('p');
  title.className = 'audio-name';
  title.textContent = name;
  const meter = document.createElement('div');
  meter.className = 'meter';
  meter.setAttribute('role', 'meter');
  meter.setAttribute('aria-label', 'Sound level');
  meter.setAttribute('aria-valuemin', '0');
  meter.setAttribute('aria-valuemax', '1');
  const fill = document.createElement('div');
  fill.className = 'meter-fill';
  meter.append(fill);
  const hint = document.createElement('p');
  hint.className = 'audio-hint';
  hint.textContent = 'Audio only · unmute to listen';
  card.append(title, meter, hint);
  stage.append(card);

  let analyser: AnalyserNode | undefined;
  let samples: Float32Array<ArrayBuffer> | undefined;
  let current: number | null = null;

  const measure = (): number => {
    analyser!.getFloatTimeDomainData(samples!);
    let sum = 0;
    for (const sample of samples!) sum += sample * sample;
    return Math.sqrt(sum / samples!.length);
  };
  const draw = () => {
    if (!analyser) return;
    current = media.muted || media.paused ? 0 : measure();
    // A level of about -40 dBFS shows as empty, 0 dBFS as full: how meters on mixers read.
    const db = 20 * Math.log10(Math.max(current, 1e-5));
    const width = Math.max(0, Math.min(1, (db + 40) / 40));
    fill.style.transform = `scaleX(${width.toFixed(3)})`;
    meter.setAttribute('aria-valuenow', current.toFixed(3));
    requestAnimationFrame(draw);
  };
  const start = () => {
    if (analyser || media.muted) return;
    const context = new AudioContext();
    analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    samples = new Float32Array(analyser.fftSize);
    context.createMediaElementSource(media).connect(analyser).connect(context.destination);
    void context.resume();
    hint.hidden = true;
    requestAnimationFrame(draw);
  };
  media.addEventListener('volumechange', start);
  media.addEventListener('play', start);
  start();

  return { level: () => current };
}
