import { test } from '@japa/runner'
import { validateTemplate, type TemplateDraft } from '#templates/validation'
import type { TemplateButton, TemplateComponent } from '#templates/types'

/**
 * Meta's template rules (reference §3.2–3.4), one row per rule: a valid
 * variant that must pass and an invalid one that must fail with that
 * rule's code, pointing at the faulty component (and button index).
 */

const body = (text: string, example?: Record<string, unknown>): TemplateComponent => ({
  type: 'BODY',
  text,
  ...(example ? { example } : {}),
})
const buttons = (list: TemplateButton[]): TemplateComponent => ({ type: 'BUTTONS', buttons: list })
const qr = (text = 'Yes'): TemplateButton => ({ type: 'QUICK_REPLY', text })
const url = (text = 'Open', link = 'https://example.com/a'): TemplateButton => ({
  type: 'URL',
  text,
  url: link,
})

const APP = { package_name: 'com.example.shop', signature_hash: 'K8a/AINcGX7' }
const otp = (extra: Partial<TemplateButton> = {}): TemplateButton => ({
  type: 'OTP',
  otp_type: 'ONE_TAP',
  supported_apps: [APP],
  ...extra,
})
const zeroTap = (extra: Partial<TemplateButton> = {}): TemplateButton =>
  otp({ otp_type: 'ZERO_TAP', zero_tap_terms_accepted: true, ...extra })
function draft(overrides: Partial<TemplateDraft> = {}): TemplateDraft {
  return {
    name: 'order_update',
    language: 'en_US',
    category: 'UTILITY',
    components: [body('Your order has shipped and will arrive soon.')],
    ...overrides,
  }
}
const withComponents = (...components: TemplateComponent[]) => draft({ components })
/** An authentication template with one OTP button. */
const auth = (button: TemplateButton): TemplateDraft => ({
  ...withComponents(
    { type: 'BODY', add_security_recommendation: true },
    { type: 'BUTTONS', buttons: [button] }
  ),
  category: 'AUTHENTICATION',
})

type Row = {
  rule: string
  component: string
  index?: number
  /** The field inside the component (and `path` = component[index].field). */
  field?: string
  valid: TemplateDraft
  invalid: TemplateDraft
}

const long = (n: number) => 'a'.repeat(n)

const rows: Row[] = [
  { rule: 'name_required', component: 'name', valid: draft(), invalid: draft({ name: '' }) },
  {
    rule: 'name_too_long',
    component: 'name',
    valid: draft({ name: long(512) }),
    invalid: draft({ name: long(513) }),
  },
  {
    rule: 'name_format',
    component: 'name',
    valid: draft({ name: 'spring_sale_2026' }),
    invalid: draft({ name: 'Spring-Sale' }),
  },
  {
    rule: 'language_format',
    component: 'language',
    valid: draft({ language: 'pt_BR' }),
    invalid: draft({ language: 'english' }),
  },
  {
    rule: 'category_invalid',
    component: 'category',
    valid: draft({ category: 'MARKETING' }),
    invalid: draft({ category: 'PROMO' }),
  },
  {
    rule: 'component_duplicate',
    component: 'footer',
    valid: withComponents(body('Thanks for your order, see you soon.'), {
      type: 'FOOTER',
      text: 'Acme',
    }),
    invalid: withComponents(
      body('Thanks for your order, see you soon.'),
      { type: 'FOOTER', text: 'Acme' },
      { type: 'FOOTER', text: 'Acme again' }
    ),
  },
  {
    rule: 'header_too_long',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: long(60) },
      body('Details inside this message.')
    ),
    invalid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: long(61) },
      body('Details inside this message.')
    ),
  },
  {
    rule: 'header_too_many_variables',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: 'Hello {{1}}', example: { header_text: ['Sara'] } },
      body('Details inside this message.')
    ),
    invalid: withComponents(
      {
        type: 'HEADER',
        format: 'TEXT',
        text: 'Hi {{1}} and {{2}}',
        example: { header_text: ['a', 'b'] },
      },
      body('Details inside this message.')
    ),
  },
  {
    rule: 'header_markdown',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: 'Big news' },
      body('Details inside this message.')
    ),
    invalid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: '*Big* news' },
      body('Details inside this message.')
    ),
  },
  {
    rule: 'header_newline',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: 'Big news' },
      body('Details inside this message.')
    ),
    invalid: withComponents(
      { type: 'HEADER', format: 'TEXT', text: 'Big\nnews' },
      body('Details inside this message.')
    ),
  },
  {
    rule: 'header_sample_required',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aGVsbG8='] } },
      body('Details inside this message.')
    ),
    invalid: withComponents(
      { type: 'HEADER', format: 'VIDEO' },
      body('Details inside this message.')
    ),
  },
  {
    rule: 'header_location_category',
    component: 'header',
    valid: withComponents(
      { type: 'HEADER', format: 'LOCATION' },
      body('Details inside this message.')
    ),
    invalid: {
      ...withComponents(
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY' },
        buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])
      ),
      category: 'AUTHENTICATION',
    },
  },
  {
    rule: 'body_required',
    component: 'body',
    valid: draft(),
    invalid: withComponents({ type: 'FOOTER', text: 'Acme' }),
  },
  {
    rule: 'body_too_long',
    component: 'body',
    valid: withComponents(body(long(1024))),
    invalid: withComponents(body(long(1025))),
  },
  {
    rule: 'footer_too_long',
    component: 'footer',
    valid: withComponents(body('Thanks for your order, see you soon.'), {
      type: 'FOOTER',
      text: long(60),
    }),
    invalid: withComponents(body('Thanks for your order, see you soon.'), {
      type: 'FOOTER',
      text: long(61),
    }),
  },
  {
    rule: 'footer_variables',
    component: 'footer',
    valid: withComponents(body('Thanks for your order, see you soon.'), {
      type: 'FOOTER',
      text: 'Reply STOP to opt out',
    }),
    invalid: withComponents(body('Thanks for your order, see you soon.'), {
      type: 'FOOTER',
      text: 'Hi {{1}}',
    }),
  },
  {
    rule: 'buttons_too_many',
    component: 'buttons',
    valid: withComponents(
      body('Pick one of the options below, please.'),
      buttons(Array.from({ length: 10 }, (_, i) => qr(`Option ${i}`)))
    ),
    invalid: withComponents(
      body('Pick one of the options below, please.'),
      buttons(Array.from({ length: 11 }, (_, i) => qr(`Option ${i}`)))
    ),
  },
  {
    rule: 'url_buttons_too_many',
    component: 'buttons',
    valid: withComponents(body('Visit us online or in the shop.'), buttons([url('A'), url('B')])),
    invalid: withComponents(
      body('Visit us online or in the shop.'),
      buttons([url('A'), url('B'), url('C')])
    ),
  },
  {
    rule: 'phone_buttons_too_many',
    component: 'buttons',
    valid: withComponents(
      body('Call us any time you like.'),
      buttons([{ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550001111' }])
    ),
    invalid: withComponents(
      body('Call us any time you like.'),
      buttons([
        { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+15550001111' },
        { type: 'PHONE_NUMBER', text: 'Call 2', phone_number: '+15550002222' },
      ])
    ),
  },
  {
    rule: 'copy_code_buttons_too_many',
    component: 'buttons',
    valid: withComponents(
      body('Use this code at checkout today.'),
      buttons([{ type: 'COPY_CODE', example: 'SAVE20' }])
    ),
    invalid: withComponents(
      body('Use this code at checkout today.'),
      buttons([
        { type: 'COPY_CODE', example: 'SAVE20' },
        { type: 'COPY_CODE', example: 'SAVE30' },
      ])
    ),
  },
  {
    rule: 'copy_code_invalid',
    component: 'buttons',
    index: 0,
    // 20 characters is allowed (coupon templates, Dec 2025), 21 is not.
    valid: withComponents(
      body('Use this code at checkout today.'),
      buttons([{ type: 'COPY_CODE', example: long(20) }])
    ),
    invalid: withComponents(
      body('Use this code at checkout today.'),
      buttons([{ type: 'COPY_CODE', example: long(21) }])
    ),
  },
  {
    rule: 'button_text_too_long',
    component: 'buttons',
    index: 1,
    valid: withComponents(
      body('Pick one of the options below, please.'),
      buttons([qr('A'), qr(long(25))])
    ),
    invalid: withComponents(
      body('Pick one of the options below, please.'),
      buttons([qr('A'), qr(long(26))])
    ),
  },
  {
    rule: 'url_too_long',
    component: 'buttons',
    index: 0,
    valid: withComponents(
      body('Visit us online or in the shop.'),
      buttons([url('Go', `https://e.co/${long(1987)}`)])
    ),
    invalid: withComponents(
      body('Visit us online or in the shop.'),
      buttons([url('Go', `https://e.co/${long(1988)}`)])
    ),
  },
  {
    rule: 'url_variable_not_at_end',
    component: 'buttons',
    index: 0,
    valid: withComponents(
      body('Track your parcel with the link below.'),
      buttons([{ ...url('Track', 'https://e.co/t/{{1}}'), example: ['https://e.co/t/123'] }])
    ),
    invalid: withComponents(
      body('Track your parcel with the link below.'),
      buttons([{ ...url('Track', 'https://e.co/{{1}}/t'), example: ['https://e.co/1/t'] }])
    ),
  },
  {
    rule: 'url_too_many_variables',
    component: 'buttons',
    index: 0,
    valid: withComponents(
      body('Track your parcel with the link below.'),
      buttons([{ ...url('Track', 'https://e.co/t/{{1}}'), example: ['https://e.co/t/123'] }])
    ),
    invalid: withComponents(
      body('Track your parcel with the link below.'),
      buttons([{ ...url('Track', 'https://e.co/{{1}}/{{2}}'), example: ['https://e.co/1/2'] }])
    ),
  },
  {
    rule: 'phone_invalid',
    component: 'buttons',
    index: 0,
    valid: withComponents(
      body('Call us any time you like.'),
      buttons([{ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+1234567890123456789' }])
    ),
    invalid: withComponents(
      body('Call us any time you like.'),
      buttons([{ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+12345678901234567890' }])
    ),
  },
  {
    rule: 'otp_not_authentication',
    component: 'buttons',
    index: 0,
    valid: {
      ...withComponents(
        { type: 'BODY', add_security_recommendation: true },
        buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])
      ),
      category: 'AUTHENTICATION',
    },
    invalid: withComponents(
      body('Here is your code for logging in.'),
      buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])
    ),
  },
  {
    rule: 'buttons_not_grouped',
    component: 'buttons',
    valid: withComponents(
      body('Pick one of the options below, please.'),
      buttons([qr('A'), qr('B'), url('Site')])
    ),
    invalid: withComponents(
      body('Pick one of the options below, please.'),
      buttons([qr('A'), url('Site'), qr('B')])
    ),
  },
  {
    rule: 'variables_not_sequential',
    component: 'body',
    valid: withComponents(
      body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['Sara', 'A1']] })
    ),
    invalid: withComponents(
      body('Hello {{1}}, your order {{3}} has shipped today.', { body_text: [['Sara', 'A1']] })
    ),
  },
  {
    rule: 'variable_invalid_name',
    component: 'body',
    valid: withComponents(
      body('Hello {{first_name}}, your order has shipped today.', {
        body_text_named_params: [{ param_name: 'first_name', example: 'Sara' }],
      })
    ),
    invalid: withComponents(body('Hello {{first-name$}}, your order has shipped today.')),
  },
  {
    rule: 'variables_mixed',
    component: 'body',
    valid: withComponents(
      body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['Sara', 'A1']] })
    ),
    invalid: withComponents(
      body('Hello {{1}}, your order {{order}} has shipped today.', { body_text: [['Sara', 'A1']] })
    ),
  },
  {
    rule: 'variable_duplicate',
    component: 'body',
    valid: withComponents(
      body('Hello {{name}}, your order {{order}} has shipped today.', {
        body_text_named_params: [
          { param_name: 'name', example: 'Sara' },
          { param_name: 'order', example: 'A1' },
        ],
      })
    ),
    invalid: withComponents(
      body('Hello {{name}}, your order for {{name}} has shipped today.', {
        body_text_named_params: [{ param_name: 'name', example: 'Sara' }],
      })
    ),
  },
  {
    rule: 'example_missing',
    component: 'body',
    valid: withComponents(
      body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['Sara', 'A1']] })
    ),
    invalid: withComponents(
      body('Hello {{1}}, your order {{2}} has shipped today.', { body_text: [['Sara']] })
    ),
  },
  {
    rule: 'variable_at_edge',
    component: 'body',
    valid: withComponents(
      body('Hello {{1}}, your order has shipped today.', { body_text: [['Sara']] })
    ),
    invalid: withComponents(
      body('{{1}}, your order has shipped today.', { body_text: [['Sara']] })
    ),
  },
  {
    rule: 'variables_adjacent',
    component: 'body',
    valid: withComponents(
      body('Hello {{1}} and {{2}}, your order has shipped today.', { body_text: [['a', 'b']] })
    ),
    invalid: withComponents(
      body('Hello {{1}} {{2}}, your order has shipped today.', { body_text: [['a', 'b']] })
    ),
  },
  {
    rule: 'too_many_variables',
    component: 'body',
    valid: withComponents(
      body('Hi {{1}}, order {{2}} ships tomorrow morning.', { body_text: [['a', 'b']] })
    ),
    invalid: withComponents(
      body('Hi {{1}}, order {{2}} ships {{3}} now.', { body_text: [['a', 'b', 'c']] })
    ),
  },
  {
    rule: 'auth_body_fixed',
    component: 'body',
    valid: {
      ...withComponents({ type: 'BODY', add_security_recommendation: true }, buttons([otp()])),
      category: 'AUTHENTICATION',
    },
    invalid: {
      ...withComponents(body('Your code is {{1}} ok'), buttons([otp()])),
      category: 'AUTHENTICATION',
    },
  },
  {
    rule: 'code_expiration_range',
    component: 'footer',
    valid: {
      ...withComponents(
        { type: 'BODY' },
        { type: 'FOOTER', code_expiration_minutes: 90 },
        buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])
      ),
      category: 'AUTHENTICATION',
    },
    invalid: {
      ...withComponents(
        { type: 'BODY' },
        { type: 'FOOTER', code_expiration_minutes: 91 },
        buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])
      ),
      category: 'AUTHENTICATION',
    },
  },
  {
    rule: 'auth_otp_required',
    component: 'buttons',
    valid: {
      ...withComponents({ type: 'BODY' }, buttons([zeroTap()])),
      category: 'AUTHENTICATION',
    },
    invalid: {
      ...withComponents({ type: 'BODY' }, buttons([qr('Hi')])),
      category: 'AUTHENTICATION',
    },
  },
  // One-tap / zero-tap (Meta's autofill and zero-tap pages, Feb 2026).
  {
    rule: 'supported_apps_required',
    component: 'buttons',
    index: 0,
    field: 'supported_apps',
    valid: auth(otp()),
    invalid: auth({ type: 'OTP', otp_type: 'ONE_TAP' }),
  },
  {
    rule: 'supported_apps_required',
    component: 'buttons',
    index: 0,
    field: 'supported_apps',
    valid: auth(zeroTap()),
    invalid: auth(zeroTap({ supported_apps: [] })),
  },
  {
    rule: 'supported_apps_too_many',
    component: 'buttons',
    index: 0,
    field: 'supported_apps',
    valid: auth(otp({ supported_apps: Array.from({ length: 5 }, () => APP) })),
    invalid: auth(otp({ supported_apps: Array.from({ length: 6 }, () => APP) })),
  },
  {
    rule: 'package_name_required',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[1].package_name',
    valid: auth(otp({ supported_apps: [APP, { ...APP, package_name: 'com.example.shop.beta' }] })),
    invalid: auth(otp({ supported_apps: [APP, { ...APP, package_name: ' ' }] })),
  },
  {
    rule: 'package_name_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].package_name',
    valid: auth(otp({ supported_apps: [{ ...APP, package_name: 'Shop_app.v2_build' }] })),
    invalid: auth(otp({ supported_apps: [{ ...APP, package_name: 'shopapp' }] })),
  },
  {
    rule: 'package_name_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].package_name',
    valid: auth(otp({ supported_apps: [{ ...APP, package_name: 'com.example2.app' }] })),
    invalid: auth(otp({ supported_apps: [{ ...APP, package_name: 'com.2example.app' }] })),
  },
  {
    rule: 'package_name_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].package_name',
    valid: auth(otp({ supported_apps: [{ ...APP, package_name: 'com.example_shop' }] })),
    invalid: auth(otp({ supported_apps: [{ ...APP, package_name: 'com.example-shop' }] })),
  },
  {
    rule: 'package_name_too_long',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].package_name',
    valid: auth(otp({ supported_apps: [{ ...APP, package_name: `com.${long(220)}` }] })),
    invalid: auth(otp({ supported_apps: [{ ...APP, package_name: `com.${long(221)}` }] })),
  },
  {
    rule: 'signature_hash_required',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].signature_hash',
    valid: auth(otp()),
    invalid: auth(otp({ supported_apps: [{ package_name: 'com.example.shop' } as any] })),
  },
  {
    rule: 'signature_hash_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[1].signature_hash',
    valid: auth(otp({ supported_apps: [APP, { ...APP, signature_hash: 'ab+/=CD09xy' }] })),
    invalid: auth(otp({ supported_apps: [APP, { ...APP, signature_hash: 'K8a/AINcGX' }] })),
  },
  {
    rule: 'signature_hash_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].signature_hash',
    valid: auth(zeroTap()),
    invalid: auth(zeroTap({ supported_apps: [{ ...APP, signature_hash: 'K8a/AINcGX77' }] })),
  },
  {
    rule: 'signature_hash_invalid',
    component: 'buttons',
    index: 0,
    field: 'supported_apps[0].signature_hash',
    valid: auth(otp()),
    invalid: auth(otp({ supported_apps: [{ ...APP, signature_hash: 'K8a-AINcGX7' }] })),
  },
  {
    rule: 'zero_tap_terms_required',
    component: 'buttons',
    index: 0,
    field: 'zero_tap_terms_accepted',
    valid: auth(zeroTap()),
    invalid: auth(zeroTap({ zero_tap_terms_accepted: false })),
  },
  {
    rule: 'zero_tap_terms_required',
    component: 'buttons',
    index: 0,
    field: 'zero_tap_terms_accepted',
    valid: auth(otp()),
    invalid: auth(zeroTap({ zero_tap_terms_accepted: undefined })),
  },
  {
    rule: 'autofill_text_too_long',
    component: 'buttons',
    index: 0,
    field: 'autofill_text',
    valid: auth(otp({ autofill_text: long(25) })),
    invalid: auth(otp({ autofill_text: long(26) })),
  },
  {
    rule: 'button_text_too_long',
    component: 'buttons',
    index: 0,
    field: 'text',
    valid: auth({ type: 'OTP', otp_type: 'COPY_CODE', text: long(25) }),
    invalid: auth({ type: 'OTP', otp_type: 'COPY_CODE', text: long(26) }),
  },
]

test.group('Template validation (Meta rules, reference §3.2–3.4)', () => {
  test('{rule}: valid passes, invalid fails at {component}')
    .with(rows)
    .run(({ assert }, row) => {
      const ok = validateTemplate(row.valid)
      assert.deepEqual(ok, [], `the valid case of ${row.rule} passes`)
      const issues = validateTemplate(row.invalid)
      const issue = issues.find((candidate) => candidate.code === row.rule)
      assert.exists(issue, `${row.rule} is reported (got ${issues.map((i) => i.code).join(', ')})`)
      assert.equal(issue!.component, row.component)
      if (row.index !== undefined) assert.equal(issue!.index, row.index)
      if (row.field !== undefined) {
        assert.equal(issue!.field, row.field)
        assert.equal(issue!.path, `${row.component}[${row.index}].${row.field}`)
      }
      const label =
        row.component === 'buttons' && issue!.index !== undefined
          ? `Button ${issue!.index + 1}:`
          : `${row.component.charAt(0).toUpperCase()}${row.component.slice(1)}:`
      assert.isTrue(
        issue!.message.startsWith(label),
        `message names the component: ${issue!.message}`
      )
    })

  test('every problem of a one-tap button is reported, each at its own path', ({ assert }) => {
    const issues = validateTemplate(
      auth(
        zeroTap({
          zero_tap_terms_accepted: false,
          supported_apps: [
            { package_name: 'com.example.shop', signature_hash: 'short' },
            { package_name: 'nodots', signature_hash: 'K8a/AINcGX7' },
          ],
        })
      )
    )
    assert.sameMembers(
      issues.map((issue) => issue.path),
      [
        'buttons[0].supported_apps[0].signature_hash',
        'buttons[0].supported_apps[1].package_name',
        'buttons[0].zero_tap_terms_accepted',
      ]
    )
    const hash = issues.find((issue) => issue.code === 'signature_hash_invalid')!
    assert.equal(hash.params?.app, 1)
    assert.match(hash.message, /^Button 1: app 1: /)
  })

  test('copy code needs no apps; the paths of other components are plain', ({ assert }) => {
    assert.deepEqual(validateTemplate(auth({ type: 'OTP', otp_type: 'COPY_CODE' })), [])
    const issues = validateTemplate(draft({ name: '' }))
    assert.equal(issues[0].path, 'name')
    const bodyIssues = validateTemplate(withComponents({ type: 'BODY', text: '' }))
    assert.equal(bodyIssues[0].path, 'body.text')
  })

  test('a template breaking several rules gets every issue at once', ({ assert }) => {
    const issues = validateTemplate({
      name: 'Bad Name',
      language: 'xx-YY',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'IMAGE' },
        body('{{1}} hi', { body_text: [['a']] }),
        { type: 'FOOTER', text: long(70) },
        buttons([qr('A'), url('B'), qr('C')]),
      ],
    })
    const codes = issues.map((issue) => issue.code)
    for (const code of [
      'name_format',
      'language_format',
      'header_sample_required',
      'variable_at_edge',
      'footer_too_long',
      'buttons_not_grouped',
    ]) {
      assert.include(codes, code)
    }
  })
})
