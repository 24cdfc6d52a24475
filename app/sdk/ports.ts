/**
 * Ports defined now and implemented by later plugins: payment gateways
 * (billing) and catalog sources (commerce). Each has a registry keyed by
 * name; a plugin registers its implementation from `register(ctx)` with
 * `ctx.payments.register(...)` / `ctx.catalogs.register(...)`.
 */

export type Money = {
  /** Minor units (cents). */
  amount: number
  /** ISO 4217, upper case. */
  currency: string
}

export type CheckoutRequest = {
  workspaceId: number
  /** Parley's own reference (invoice or order public id). */
  reference: string
  amount: Money
  description: string
  customer: { email?: string | null; name?: string | null; phone?: string | null }
  successUrl: string
  cancelUrl: string
  metadata?: Record<string, string>
}

export type CheckoutSession = {
  /** The gateway's id for the payment or session. */
  providerReference: string
  /** Where to send the payer. */
  redirectUrl: string
  expiresAt?: Date | null
}

export type PaymentStatus = 'pending' | 'paid' | 'failed' | 'refunded' | 'cancelled'

export type PaymentEvent = {
  providerReference: string
  reference: string | null
  status: PaymentStatus
  amount: Money | null
  raw: Record<string, unknown>
}

export interface PaymentGateway {
  /** Unique name, e.g. "stripe". */
  readonly name: string
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>
  /** Current state of a payment, asked by Parley when a webhook is late. */
  fetchStatus(providerReference: string): Promise<PaymentStatus>
  refund(providerReference: string, amount?: Money): Promise<void>
  /**
   * Verify and parse a webhook delivery (the plugin's `/hooks/<id>` route
   * calls it). Throws when the signature does not match.
   */
  parseWebhook(input: {
    headers: Record<string, string | string[] | undefined>
    rawBody: string
  }): Promise<PaymentEvent[]>
}

export type CatalogProduct = {
  /** The source's id for the product. */
  externalId: string
  name: string
  description?: string | null
  price: Money | null
  imageUrl?: string | null
  url?: string | null
  available: boolean
  /** Free-form attributes (size, colour, SKU...). */
  attributes?: Record<string, string>
}

export type CatalogPage = { products: CatalogProduct[]; nextCursor: string | null }

export interface CatalogSource {
  /** Unique name, e.g. "shopify". */
  readonly name: string
  list(
    workspaceId: number,
    options: { cursor?: string | null; limit: number; search?: string }
  ): Promise<CatalogPage>
  get(workspaceId: number, externalId: string): Promise<CatalogProduct | null>
}

/**
 * Implementations by name. Registering a name twice is refused so that
 * two plugins cannot silently replace each other.
 */
export class PortRegistry<T extends { readonly name: string }> {
  #items = new Map<string, { item: T; pluginId: string | null }>()

  constructor(readonly kind: string) {}

  register(item: T, pluginId: string | null = null): this {
    if (!item.name) throw new Error(`A ${this.kind} needs a name.`)
    if (this.#items.has(item.name)) {
      throw new Error(`A ${this.kind} named "${item.name}" is already registered.`)
    }
    this.#items.set(item.name, { item, pluginId })
    return this
  }

  get(name: string): T {
    const entry = this.#items.get(name)
    if (!entry) throw new Error(`Unknown ${this.kind} "${name}".`)
    return entry.item
  }

  has(name: string) {
    return this.#items.has(name)
  }

  names(): string[] {
    return [...this.#items.keys()]
  }

  /** Which plugin registered `name` (null for core). */
  ownerOf(name: string): string | null {
    return this.#items.get(name)?.pluginId ?? null
  }
}

export const paymentGateways = new PortRegistry<PaymentGateway>('payment gateway')
export const catalogSources = new PortRegistry<CatalogSource>('catalog source')
