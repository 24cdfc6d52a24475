/**
 * Meta WhatsApp Cloud API simulator (docs/meta-simulator.md). Plain
 * `node:http`, no AdonisJS imports.
 */
export { createMetaSimulator, DEFAULT_NUMBER, SimulatorState } from './server.js'
export type { MetaSimulator } from './server.js'
export { serializeLikeMeta, signPayload } from './serialize.js'
export { MetaApiError, META_ERRORS, ASYNC_FAILURE_CODES, webhookError } from './errors.js'
export type { MetaErrorBody, WebhookError } from './errors.js'
export { validateSend, SEND_TYPES } from './validate_send.js'
export { MEDIA_LIMITS, checkMedia, sniffMime } from './media.js'
export type * from './types.js'
