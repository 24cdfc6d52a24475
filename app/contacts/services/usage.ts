import Contact from '#contacts/models/contact'
import { quota } from '#core/services/quota'

/**
 * Usage of the `contacts` plan limit: every contact row of the workspace
 * (erased contacts included: their rows stay). Registered when this module
 * loads; everything that creates contacts (the panel, imports, the API)
 * imports it, so the web server and the worker count the same way.
 */
quota.registerUsage('contacts', async () => {
  const [row] = await Contact.query().count('* as total')
  return Number(row.$extras.total)
})
