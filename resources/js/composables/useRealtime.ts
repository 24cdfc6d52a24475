import { onBeforeUnmount, onMounted } from 'vue'
import { Transmit } from '@adonisjs/transmit-client'
import { useWorkspaceProps } from '~/types'

/**
 * Live updates over Transmit (SSE) on the current workspace's channel
 * `workspaces/<id>/<path>`. Subscribes when the component mounts and
 * unsubscribes when it unmounts. The server only lets members in.
 */
let client: Transmit | null = null

function transmit() {
  client ??= new Transmit({ baseUrl: window.location.origin })
  return client
}

export function useRealtime<T = unknown>(path: string, onMessage: (payload: T) => void) {
  const shared = useWorkspaceProps()
  let stop: (() => void) | null = null

  onMounted(async () => {
    const base = shared.value.pluginUi?.channel
    if (!base) return
    const subscription = transmit().subscription(`${base}/${path.replace(/^\/+/, '')}`)
    await subscription.create()
    const off = subscription.onMessage<T>(onMessage)
    stop = () => {
      off()
      void subscription.delete()
    }
  })

  onBeforeUnmount(() => stop?.())
}

/**
 * Same as useRealtime, for a full channel name given by the server
 * (for example the inbox page's `realtimeChannel`). `onReady` runs once
 * the subscription is registered, so a page can fetch what it may have
 * missed before that moment.
 */
export function useRealtimeChannel<T = unknown>(
  channel: string,
  onMessage: (payload: T) => void,
  onReady?: () => void
) {
  let stop: (() => void) | null = null

  onMounted(async () => {
    const subscription = transmit().subscription(channel)
    await subscription.create()
    const off = subscription.onMessage<T>(onMessage)
    stop = () => {
      off()
      void subscription.delete()
    }
    onReady?.()
  })

  onBeforeUnmount(() => stop?.())
}
