import { ChannelSendError } from '#sdk/index'

/**
 * Anti-ban pacing for one QR number: a random pause between sends, a
 * longer pause after each batch, and a cap per UTC day. This lowers the
 * pattern signals WhatsApp is known to look at; it does not make an
 * unofficial connection safe (see README).
 */
export type PacingSettings = {
  pacingEnabled: boolean | null
  minDelaySeconds: number | null
  maxDelaySeconds: number | null
  batchSize: number | null
  batchPauseSeconds: number | null
  dailyCap: number | null
}

export const PACING_DEFAULTS = {
  minDelaySeconds: 3,
  maxDelaySeconds: 9,
  batchSize: 20,
  batchPauseSeconds: 90,
  dailyCap: 250,
}

export class Pacer {
  #lastSentAt = 0
  #inBatch = 0
  #pausedUntil = 0

  constructor(
    private clock: { now(): number; sleep(ms: number): Promise<void> } = {
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }
  ) {}

  /**
   * Waits the random delay, or throws `wait` (batch pause) / `give_up`
   * (daily cap). `sentToday` is the persisted count for today.
   */
  async beforeSend(settings: PacingSettings, sentToday: number) {
    if (settings.pacingEnabled === false) return
    const cap = settings.dailyCap ?? PACING_DEFAULTS.dailyCap
    if (sentToday >= cap) {
      throw new ChannelSendError(
        `Daily cap reached: this QR number already sent ${sentToday} messages today (limit ${cap}). ` +
          'It sends again tomorrow (UTC), or raise the cap in the QR connector settings.',
        null,
        'give_up',
        null,
        'daily_cap'
      )
    }
    const now = this.clock.now()
    if (now < this.#pausedUntil) {
      throw new ChannelSendError(
        'Batch pause (anti-ban pacing): the message is sent when the pause ends.',
        null,
        'wait',
        this.#pausedUntil - now,
        'batch_pause'
      )
    }
    let min = Math.max(0, settings.minDelaySeconds ?? PACING_DEFAULTS.minDelaySeconds)
    let max = Math.max(0, settings.maxDelaySeconds ?? PACING_DEFAULTS.maxDelaySeconds)
    if (min > max) [min, max] = [max, min]
    const delayMs = (min + Math.random() * (max - min)) * 1000
    const wait = this.#lastSentAt + delayMs - now
    if (wait > 0) await this.clock.sleep(wait)
  }

  afterSend(settings: PacingSettings) {
    this.#lastSentAt = this.clock.now()
    if (settings.pacingEnabled === false) return
    this.#inBatch += 1
    const size = settings.batchSize ?? PACING_DEFAULTS.batchSize
    if (size > 0 && this.#inBatch >= size) {
      this.#inBatch = 0
      this.#pausedUntil =
        this.#lastSentAt + (settings.batchPauseSeconds ?? PACING_DEFAULTS.batchPauseSeconds) * 1000
    }
  }
}
