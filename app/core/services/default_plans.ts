import Plan from '#core/models/plan'

/**
 * The plans a fresh install starts with. The super admin edits them (and
 * adds more) from /admin/plans; these are only created when none exist.
 */
export const DEFAULT_PLANS = [
  {
    slug: 'trial',
    name: 'Trial',
    isTrial: true,
    features: { qr_channels: true, campaigns: true, flows: true, api: true },
    maxMembers: 5,
    maxChannels: 1,
    maxContacts: 1000,
    maxMessagesPerMonth: 1000,
    maxStorageMb: 500,
    maxQrChannels: 1,
  },
  {
    slug: 'starter',
    name: 'Starter',
    isTrial: false,
    features: { qr_channels: false, campaigns: true, flows: false, api: false },
    maxMembers: 3,
    maxChannels: 1,
    maxContacts: 5000,
    maxMessagesPerMonth: 10000,
    maxStorageMb: 2000,
    maxQrChannels: 0,
  },
  {
    slug: 'business',
    name: 'Business',
    isTrial: false,
    features: { qr_channels: true, campaigns: true, flows: true, api: true },
    maxMembers: null,
    maxChannels: 10,
    maxContacts: null,
    maxMessagesPerMonth: null,
    maxStorageMb: 20000,
    maxQrChannels: 5,
  },
]

export async function ensureDefaultPlans() {
  const existing = await Plan.query().count('* as total')
  if (Number(existing[0].$extras.total) > 0) return
  await Plan.createMany(DEFAULT_PLANS)
}

export async function trialPlan(): Promise<Plan> {
  await ensureDefaultPlans()
  const plan = (await Plan.findBy('is_trial', true)) ?? (await Plan.query().orderBy('id').first())
  if (!plan) throw new Error('No plan exists; run node ace parley:install')
  return plan
}
