/**
 * The plugin SDK: the only module (with #sdk/migrations and
 * #sdk/testing) a plugin imports from Parley. See docs/plugins.md.
 */
export { SDK_VERSION } from '#sdk/version'
export {
  definePlugin,
  setting,
  PLUGIN_ID_PATTERN,
  UI_SLOTS,
  type Broadcastable,
  type ContactInput,
  type ContactRef,
  type CoreEventName,
  type CoreEventPayload,
  type IngestInput,
  type IngestResult,
  type InferSettings,
  type OutboundDraft,
  type OutboundFilter,
  type OutboundFilterResult,
  type PluginChannel,
  type PluginContext,
  type PluginContributions,
  type PluginDatabase,
  type PluginDefinition,
  type PluginHook,
  type PluginListener,
  type PluginListeners,
  type PluginNavItem,
  type PluginRouteHandler,
  type PluginRouter,
  type SettingField,
  type SettingKind,
  type SettingsSchema,
  type UiSlotName,
} from '#sdk/plugin'
export {
  ChannelSendError,
  type ChannelCredentials,
  type ChannelDriver,
  type HealthResult,
  type OutboundContent,
  type OutboundMessage,
  type SendResult,
} from '#sdk/channels'
export type {
  CatalogPage,
  CatalogProduct,
  CatalogSource,
  CheckoutRequest,
  CheckoutSession,
  Money,
  PaymentEvent,
  PaymentGateway,
  PaymentStatus,
} from '#sdk/ports'
