/*
| Defaults every new workspace receives, contributed by each module.
*/
import { provisioning } from '#core/services/provisioning'
import { provisionDefaultTags } from '#contacts/provisioning'
import { provisionBusinessHours } from '#inbox/provisioning'

provisioning.register({ name: 'contacts.default_tags', run: provisionDefaultTags })
provisioning.register({ name: 'inbox.business_hours', run: provisionBusinessHours })
