export { WebSessionMiddleware as default } from '#core/middleware/web_only_middleware'
