import v8 from 'node:v8'
import vm from 'node:vm'

/**
 * Keeps an import's memory flat.
 *
 * An import allocates fast (parsed rows, SQL text, result sets) while the
 * booted application keeps ~60 MB of its own live heap. After each full
 * collection V8 lets the old generation grow to up to 4× the live size
 * before collecting again (its heuristic for processes with a large heap
 * limit), so a worker reached ~400 MB of RSS on a 1M-row file although an
 * import holds only two batches at a time. While at least one import runs
 * in the process, the growth after a collection is capped at
 * GROWTH_PERCENT (V8's `--heap-growing-percent`, read at every collection,
 * set through `v8.setFlagsFromString`); when the last one ends V8's own
 * choice comes back. The price is more frequent full collections: on a
 * 200k-row bench import, Node's CPU time went from ~9.3 s to ~11-12 s
 * (peak RSS 400 → ~235 MB; 50-60% gave 240-260 MB for about the same CPU).
 */
const GROWTH_PERCENT = 30

let running = 0

/** Runs `work` with the heap growth capped (nested and concurrent imports share the cap). */
export async function withBoundedHeap<T>(work: () => Promise<T>): Promise<T> {
  if (running++ === 0) {
    v8.setFlagsFromString(`--heap-growing-percent=${GROWTH_PERCENT}`)
    /*
     * The limit V8 computed at its last full collection (often 4× the live
     * heap) stays until the next one: an eager memory measurement runs a
     * full collection now, so the cap applies from the first batch.
     */
    await vm.measureMemory({ mode: 'summary', execution: 'eager' }).catch(() => {})
  }
  try {
    return await work()
  } finally {
    if (--running === 0) v8.setFlagsFromString('--heap-growing-percent=0')
  }
}
