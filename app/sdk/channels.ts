/**
 * The channel port, as plugins see it. The definitions live with the
 * messaging core (`#channels/driver`); this module only re-exports them so
 * that a plugin never imports core internals.
 */
export {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundContent,
  type OutboundMessage,
  type SendResult,
} from '#channels/driver'
