import { tenancy } from '#core/tenancy/context'
import MessageTemplate from '#templates/models/message_template'

/**
 * Workspace A's template (route parameter `:template`) for the
 * cross-tenant sweep.
 */
export async function templatesParamsOf(workspaceId: number) {
  return tenancy.run(workspaceId, async () => {
    const template = await MessageTemplate.create({
      wabaId: 'sweep-waba',
      name: 'sweep_template',
      language: 'en_US',
      category: 'UTILITY',
      parameterFormat: 'positional',
      components: [{ type: 'BODY', text: 'Sweep body text' }],
      status: 'APPROVED',
      approvedEdits: [],
    })
    return { template: template.publicId }
  })
}
