import Contact from '#contacts/models/contact'
import { quota } from '#core/services/quota'

/**
 * Usage of the `contacts` plan limit: the workspace's contacts, erased
 * ones left out (their anonymised rows stay for aggregate counts, but they
 * are no longer anyone's data and must not use up the plan). Registered when this module
 * loads; everything that creates contacts (the panel, imports, the API)
 * imports it, so the web server and the worker count the same way.
 */
quota.registerUsage('contacts', async () => {
  const [row] = await Contact.query().whereNull('erased_at').count('* as total')
  return Number(row.$extras.total)
})
