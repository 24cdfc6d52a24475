import type { TemplateButton, TemplateComponent } from '#templates/types'
import { PACKAGE_NAME_PATTERN, SIGNATURE_HASH_PATTERN, needsApps } from '#templates/otp'

/**
 * Meta's published template rules (reference §3.2–3.4), checked before a
 * template is submitted so the user sees every problem at once, each
 * pointing at the component (and button index / field) that causes it.
 * Pure: no database, no Graph. The editor, the submit action and the
 * tests all call this one function.
 */

export type TemplateIssueComponent =
  'header' | 'body' | 'footer' | 'buttons' | 'name' | 'language' | 'category'

export type TemplateIssue = {
  component: TemplateIssueComponent
  /** Button index for `buttons`. */
  index?: number
  field?: string
  /**
   * Where the problem is, as one path: `body.text`, `buttons[0].url`,
   * `buttons[0].supported_apps[1].signature_hash`.
   */
  path: string
  /** Stable code; the UI translates `templates.errors.<code>`. */
  code: string
  message: string
  params?: Record<string, string | number>
}

export type TemplateDraft = {
  name: string
  language: string
  category: string
  parameterFormat?: 'positional' | 'named'
  components: TemplateComponent[]
}

export const LIMITS = {
  name: 512,
  headerText: 60,
  body: 1024,
  footer: 60,
  buttons: 10,
  quickReplies: 10,
  urlButtons: 2,
  phoneButtons: 1,
  copyCodeButtons: 1,
  buttonText: 25,
  url: 2000,
  phoneNumber: 20,
  /**
   * Copy-code example: Meta's components page still says 15, but coupon
   * templates accept 20 since Dec 3 2025 (reference §3.3 and discrepancy
   * §10.4: "newest wins"). A copy-code button IS the coupon template, so 20.
   */
  copyCode: 20,
  codeExpirationMin: 1,
  codeExpirationMax: 90,
  /** One-tap / zero-tap: Android apps per OTP button (Meta: "up to five apps"). */
  supportedApps: 5,
  /** Android package name, Meta's maximum. */
  packageName: 224,
  /** App signing key hash: exactly this many characters. */
  signatureHash: 11,
  /** Autofill (one-tap) button label. */
  autofillText: 25,
  /**
   * "Too many variables for the length" (2388293): Meta publishes no
   * formula. Parley asks for at least this many words of fixed text per
   * variable in the body, which accepts ordinary messages ("Hi {{1}}, your
   * order {{2}} has shipped.") and refuses a body made mostly of variables.
   */
  wordsPerVariable: 2,
} as const

export const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const
export const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const
export const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP'] as const
export const OTP_TYPES = ['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'] as const

const NAME_PATTERN = /^[a-z0-9_]+$/
/** `en`, `en_US`, `pt_BR`, `zh_HK`, `sr_Latn`-style codes. */
const LANGUAGE_PATTERN = /^[a-z]{2,3}(_[A-Z]{2}|_[A-Z][a-z]{3})?$/
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g
const NAMED_VARIABLE = /^[a-z_]+$/
const POSITIONAL_VARIABLE = /^[0-9]+$/

const chars = (text: string) => [...text].length

/** The variables of a text, in order of appearance. */
export function templateVariables(text: string | undefined | null): string[] {
  if (!text) return []
  return [...text.matchAll(VARIABLE)].map((match) => match[1])
}

/** Which variable style a set of components uses (named when any name is not a number). */
export function detectParameterFormat(components: TemplateComponent[]): 'positional' | 'named' {
  for (const component of components) {
    for (const name of templateVariables(component.text)) {
      if (!POSITIONAL_VARIABLE.test(name)) return 'named'
    }
  }
  return 'positional'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0
}

class Issues {
  readonly list: TemplateIssue[] = []
  add(
    component: TemplateIssueComponent,
    code: string,
    message: string,
    extra: { index?: number; field?: string; params?: Record<string, string | number> } = {}
  ) {
    const where =
      component === 'buttons' && extra.index !== undefined
        ? `Button ${extra.index + 1}`
        : component.charAt(0).toUpperCase() + component.slice(1)
    const path =
      component +
      (extra.index !== undefined ? `[${extra.index}]` : '') +
      (extra.field && extra.field !== component ? `.${extra.field}` : '')
    this.list.push({ component, code, message: `${where}: ${message}`, path, ...extra })
  }
}

/**
 * Variable rules shared by header and body text: names, style, order,
 * uniqueness, adjacency, and an example for every variable.
 */
function checkVariables(
  issues: Issues,
  where: 'header' | 'body',
  component: TemplateComponent,
  format: 'positional' | 'named'
) {
  const text = component.text ?? ''
  const names = templateVariables(text)
  if (names.length === 0) return

  for (const name of names) {
    if (!POSITIONAL_VARIABLE.test(name) && !NAMED_VARIABLE.test(name)) {
      issues.add(
        where,
        'variable_invalid_name',
        `variable {{${name}}} may only use lowercase letters and underscores (named) or digits (positional).`,
        { field: 'text', params: { name } }
      )
      return
    }
  }
  const positional = names.filter((name) => POSITIONAL_VARIABLE.test(name))
  if (positional.length > 0 && positional.length < names.length) {
    issues.add(where, 'variables_mixed', 'use either {{1}} numbers or {{names}}, not both.', {
      field: 'text',
    })
    return
  }
  const style = positional.length ? 'positional' : 'named'
  if (style !== format) {
    issues.add(
      where,
      'variables_format_mismatch',
      `the template uses ${format} variables, but this text has ${style} ones.`,
      { field: 'text', params: { format } }
    )
    return
  }
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) {
      issues.add(where, 'variable_duplicate', `variable {{${name}}} appears more than once.`, {
        field: 'text',
        params: { name },
      })
      return
    }
    seen.add(name)
  }
  if (style === 'positional') {
    const numbers = names.map(Number)
    const expected = numbers.map((_, index) => index + 1)
    if (numbers.some((value, index) => value !== expected[index])) {
      issues.add(
        where,
        'variables_not_sequential',
        `variables must be numbered {{1}}, {{2}}, … in order (found ${names.map((n) => `{{${n}}}`).join(', ')}).`,
        { field: 'text' }
      )
    }
  }
  if (/\}\}\s*\{\{/.test(text)) {
    issues.add(
      where,
      'variables_adjacent',
      'two variables may not touch; put words between them.',
      {
        field: 'text',
      }
    )
  }

  // Examples (reference §3.4): nested body_text, header_text, or *_named_params.
  const example = isRecord(component.example) ? component.example : {}
  const key = where === 'header' ? 'header_text' : 'body_text'
  if (style === 'named') {
    const entries = Array.isArray(example[`${key}_named_params`])
      ? (example[`${key}_named_params`] as unknown[])
      : []
    const given = new Map<string, unknown>()
    for (const entry of entries) {
      if (isRecord(entry) && typeof entry.param_name === 'string') {
        given.set(entry.param_name, entry.example)
      }
    }
    for (const name of names) {
      if (!nonEmptyString(given.get(name))) {
        issues.add(where, 'example_missing', `give an example value for {{${name}}}.`, {
          field: `example.${name}`,
          params: { name },
        })
      }
    }
  } else {
    let values: unknown = example[key]
    if (where === 'body') values = Array.isArray(values) ? values[0] : undefined
    const list = Array.isArray(values) ? values : []
    names.forEach((name, index) => {
      if (!nonEmptyString(list[index])) {
        issues.add(where, 'example_missing', `give an example value for {{${name}}}.`, {
          field: `example.${name}`,
          params: { name },
        })
      }
    })
  }
}

function checkHeader(
  issues: Issues,
  header: TemplateComponent,
  category: string,
  format: 'positional' | 'named'
) {
  const kind = header.format
  if (!kind || !(HEADER_FORMATS as readonly string[]).includes(kind)) {
    issues.add(
      'header',
      'header_format_invalid',
      `format must be one of ${HEADER_FORMATS.join(', ')}.`,
      {
        field: 'format',
      }
    )
    return
  }
  if (kind === 'TEXT') {
    const text = header.text ?? ''
    if (!text.trim()) {
      issues.add('header', 'header_text_required', 'a text header needs text.', { field: 'text' })
      return
    }
    if (chars(text) > LIMITS.headerText) {
      issues.add(
        'header',
        'header_too_long',
        `at most ${LIMITS.headerText} characters (now ${chars(text)}).`,
        {
          field: 'text',
          params: { max: LIMITS.headerText, count: chars(text) },
        }
      )
    }
    if (/[\n\r]/.test(text)) {
      issues.add('header', 'header_newline', 'a header is one line: no line breaks.', {
        field: 'text',
      })
    }
    const plain = text.replace(VARIABLE, '')
    if (/[*_~]|```/.test(plain)) {
      issues.add('header', 'header_markdown', 'no formatting (*, _, ~, ```) in a header.', {
        field: 'text',
      })
    }
    const variables = templateVariables(text)
    if (variables.length > 1) {
      issues.add('header', 'header_too_many_variables', 'a header has at most one variable.', {
        field: 'text',
      })
    } else {
      checkVariables(issues, 'header', header, format)
    }
    return
  }
  if (kind === 'LOCATION') {
    if (category !== 'UTILITY' && category !== 'MARKETING') {
      issues.add(
        'header',
        'header_location_category',
        'location headers are for utility and marketing templates only.',
        {
          field: 'format',
        }
      )
    }
    return
  }
  const example = isRecord(header.example) ? header.example : {}
  const handles = example.header_handle
  if (!Array.isArray(handles) || !nonEmptyString(handles[0])) {
    issues.add(
      'header',
      'header_sample_required',
      `an ${kind.toLowerCase()} header needs a sample uploaded through Meta's resumable upload.`,
      { field: 'example.header_handle', params: { format: kind } }
    )
  }
}

function checkBody(issues: Issues, body: TemplateComponent, format: 'positional' | 'named') {
  const text = body.text ?? ''
  if (!text.trim()) {
    issues.add('body', 'body_required', 'the body text is required.', { field: 'text' })
    return
  }
  if (chars(text) > LIMITS.body) {
    issues.add('body', 'body_too_long', `at most ${LIMITS.body} characters (now ${chars(text)}).`, {
      field: 'text',
      params: { max: LIMITS.body, count: chars(text) },
    })
  }
  const variables = templateVariables(text)
  if (variables.length === 0) return
  const trimmed = text.trim()
  if (trimmed.startsWith('{{') || trimmed.endsWith('}}')) {
    issues.add(
      'body',
      'variable_at_edge',
      'the text may not start or end with a variable (Meta error 2388299).',
      {
        field: 'text',
      }
    )
  }
  const fixedWords = text
    .replace(VARIABLE, ' ')
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word)).length
  if (fixedWords < variables.length * LIMITS.wordsPerVariable) {
    issues.add(
      'body',
      'too_many_variables',
      `too many variables for the length: write at least ${LIMITS.wordsPerVariable} words per variable (Meta error 2388293).`,
      { field: 'text', params: { words: LIMITS.wordsPerVariable } }
    )
  }
  checkVariables(issues, 'body', body, format)
}

function checkFooter(issues: Issues, footer: TemplateComponent) {
  const text = footer.text ?? ''
  if (!text.trim()) {
    issues.add('footer', 'footer_text_required', 'a footer needs text (or remove it).', {
      field: 'text',
    })
    return
  }
  if (chars(text) > LIMITS.footer) {
    issues.add(
      'footer',
      'footer_too_long',
      `at most ${LIMITS.footer} characters (now ${chars(text)}).`,
      {
        field: 'text',
        params: { max: LIMITS.footer, count: chars(text) },
      }
    )
  }
  if (templateVariables(text).length > 0) {
    issues.add('footer', 'footer_variables', 'a footer cannot contain variables.', {
      field: 'text',
    })
  }
}

function checkButtonText(issues: Issues, button: TemplateButton, index: number) {
  if (!nonEmptyString(button.text)) {
    issues.add('buttons', 'button_text_required', 'the button needs a label.', {
      index,
      field: 'text',
    })
  } else if (chars(button.text) > LIMITS.buttonText) {
    issues.add(
      'buttons',
      'button_text_too_long',
      `labels are at most ${LIMITS.buttonText} characters.`,
      {
        index,
        field: 'text',
        params: { max: LIMITS.buttonText },
      }
    )
  }
}

function checkButtons(issues: Issues, buttons: TemplateButton[], category: string) {
  if (buttons.length === 0) {
    issues.add('buttons', 'buttons_empty', 'add a button or remove the buttons section.')
    return
  }
  if (buttons.length > LIMITS.buttons) {
    issues.add('buttons', 'buttons_too_many', `at most ${LIMITS.buttons} buttons in total.`, {
      params: { max: LIMITS.buttons },
    })
  }
  const count = (type: TemplateButton['type']) => buttons.filter((b) => b.type === type).length
  const caps: [TemplateButton['type'], number, string][] = [
    ['QUICK_REPLY', LIMITS.quickReplies, 'quick_replies_too_many'],
    ['URL', LIMITS.urlButtons, 'url_buttons_too_many'],
    ['PHONE_NUMBER', LIMITS.phoneButtons, 'phone_buttons_too_many'],
    ['COPY_CODE', LIMITS.copyCodeButtons, 'copy_code_buttons_too_many'],
  ]
  for (const [type, max, code] of caps) {
    if (count(type) > max) {
      issues.add(
        'buttons',
        code,
        `at most ${max} ${type.toLowerCase().replace('_', ' ')} button(s).`,
        {
          params: { max },
        }
      )
    }
  }

  // Quick replies form one block, before or after the other buttons.
  const kinds = buttons.map((button) => button.type === 'QUICK_REPLY')
  let switches = 0
  for (let i = 1; i < kinds.length; i++) if (kinds[i] !== kinds[i - 1]) switches++
  if (switches > 1) {
    issues.add(
      'buttons',
      'buttons_not_grouped',
      'quick replies must be grouped together, before or after the other buttons (not QR, URL, QR).'
    )
  }

  buttons.forEach((button, index) => {
    if (!(BUTTON_TYPES as readonly string[]).includes(button.type)) {
      issues.add('buttons', 'button_type_invalid', `unknown button type ${String(button.type)}.`, {
        index,
        field: 'type',
      })
      return
    }
    switch (button.type) {
      case 'QUICK_REPLY':
        checkButtonText(issues, button, index)
        break
      case 'URL': {
        checkButtonText(issues, button, index)
        const url = button.url ?? ''
        if (!nonEmptyString(url)) {
          issues.add('buttons', 'url_required', 'the button needs a URL.', { index, field: 'url' })
          break
        }
        if (chars(url) > LIMITS.url) {
          issues.add('buttons', 'url_too_long', `URLs are at most ${LIMITS.url} characters.`, {
            index,
            field: 'url',
            params: { max: LIMITS.url },
          })
        }
        if (!/^https?:\/\/[^\s{}]+/i.test(url)) {
          issues.add('buttons', 'url_invalid', 'the URL must start with http:// or https://.', {
            index,
            field: 'url',
          })
        }
        const variables = templateVariables(url)
        if (variables.length > 1) {
          issues.add('buttons', 'url_too_many_variables', 'a URL has at most one variable.', {
            index,
            field: 'url',
          })
        } else if (variables.length === 1) {
          if (!/\{\{\s*[^{}]*\s*\}\}$/.test(url.trim())) {
            issues.add(
              'buttons',
              'url_variable_not_at_end',
              'the URL variable must be at the very end.',
              {
                index,
                field: 'url',
              }
            )
          }
          const example = Array.isArray(button.example) ? button.example[0] : button.example
          if (!nonEmptyString(example)) {
            issues.add('buttons', 'example_missing', 'give an example of the full URL.', {
              index,
              field: 'example',
              params: { name: variables[0] },
            })
          }
        }
        break
      }
      case 'PHONE_NUMBER': {
        checkButtonText(issues, button, index)
        const phone = button.phone_number ?? ''
        if (!nonEmptyString(phone)) {
          issues.add('buttons', 'phone_required', 'the button needs a phone number.', {
            index,
            field: 'phone_number',
          })
        } else if (chars(phone) > LIMITS.phoneNumber || !/^\+?[0-9 ()-]+$/.test(phone)) {
          issues.add(
            'buttons',
            'phone_invalid',
            `a phone number of at most ${LIMITS.phoneNumber} characters, digits only.`,
            {
              index,
              field: 'phone_number',
              params: { max: LIMITS.phoneNumber },
            }
          )
        }
        break
      }
      case 'COPY_CODE': {
        const example = Array.isArray(button.example) ? button.example[0] : button.example
        if (!nonEmptyString(example)) {
          issues.add('buttons', 'copy_code_example_required', 'give an example code.', {
            index,
            field: 'example',
          })
        } else if (chars(example) > LIMITS.copyCode || !/^[A-Za-z0-9]+$/.test(example)) {
          issues.add(
            'buttons',
            'copy_code_invalid',
            `the code is letters and digits, at most ${LIMITS.copyCode}.`,
            {
              index,
              field: 'example',
              params: { max: LIMITS.copyCode },
            }
          )
        }
        break
      }
      case 'OTP':
        if (category !== 'AUTHENTICATION') {
          issues.add(
            'buttons',
            'otp_not_authentication',
            'one-time-password buttons are for authentication templates only.',
            {
              index,
              field: 'type',
            }
          )
        }
        if (!button.otp_type || !(OTP_TYPES as readonly string[]).includes(button.otp_type)) {
          issues.add(
            'buttons',
            'otp_type_invalid',
            `otp_type must be one of ${OTP_TYPES.join(', ')}.`,
            {
              index,
              field: 'otp_type',
            }
          )
        }
        break
    }
  })
}

/**
 * The parts of an OTP button Meta checks beyond its type (one-tap and
 * zero-tap pages, Feb 2026): labels of at most 25 characters; for ONE_TAP
 * and ZERO_TAP one to five `supported_apps`, each a package name (two or
 * more dot-separated segments starting with a letter, letters, digits and
 * `_`, at most 224 characters) and an 11-character signing key hash
 * (`A-Z a-z 0-9 + / =`); for ZERO_TAP `zero_tap_terms_accepted: true`.
 */
function checkOtpButton(issues: Issues, button: TemplateButton, index: number) {
  const label = (field: 'text' | 'autofill_text', code: string, max: number) => {
    const value = button[field]
    if (value === undefined || value === null || value === '') return
    if (typeof value !== 'string' || chars(value) > max) {
      issues.add('buttons', code, `labels are at most ${max} characters.`, {
        index,
        field,
        params: { max },
      })
    }
  }
  label('text', 'button_text_too_long', LIMITS.buttonText)
  if (!needsApps(button.otp_type)) return
  label('autofill_text', 'autofill_text_too_long', LIMITS.autofillText)

  const apps = button.supported_apps
  if (!Array.isArray(apps) || apps.length === 0) {
    issues.add(
      'buttons',
      'supported_apps_required',
      'one-tap and zero-tap buttons need at least one Android app (package name and signature hash).',
      { index, field: 'supported_apps' }
    )
  } else {
    if (apps.length > LIMITS.supportedApps) {
      issues.add(
        'buttons',
        'supported_apps_too_many',
        `at most ${LIMITS.supportedApps} Android apps (now ${apps.length}).`,
        {
          index,
          field: 'supported_apps',
          params: { max: LIMITS.supportedApps, count: apps.length },
        }
      )
    }
    apps.forEach((entry, position) => {
      const app = (isRecord(entry) ? entry : {}) as Record<string, unknown>
      const where = `supported_apps[${position}]`
      const params = { app: position + 1 }
      const packageName = typeof app.package_name === 'string' ? app.package_name.trim() : ''
      if (!packageName) {
        issues.add(
          'buttons',
          'package_name_required',
          `app ${position + 1}: the package name is required.`,
          {
            index,
            field: `${where}.package_name`,
            params,
          }
        )
      } else if (chars(packageName) > LIMITS.packageName) {
        issues.add(
          'buttons',
          'package_name_too_long',
          `app ${position + 1}: the package name is at most ${LIMITS.packageName} characters.`,
          { index, field: `${where}.package_name`, params: { ...params, max: LIMITS.packageName } }
        )
      } else if (!PACKAGE_NAME_PATTERN.test(packageName)) {
        issues.add(
          'buttons',
          'package_name_invalid',
          `app ${position + 1}: a package name such as com.example.app: two or more parts separated by dots, each starting with a letter, then letters, digits or _.`,
          { index, field: `${where}.package_name`, params }
        )
      }
      const hash = typeof app.signature_hash === 'string' ? app.signature_hash.trim() : ''
      if (!hash) {
        issues.add(
          'buttons',
          'signature_hash_required',
          `app ${position + 1}: the signature hash is required.`,
          {
            index,
            field: `${where}.signature_hash`,
            params,
          }
        )
      } else if (!SIGNATURE_HASH_PATTERN.test(hash)) {
        issues.add(
          'buttons',
          'signature_hash_invalid',
          `app ${position + 1}: the signature hash is exactly ${LIMITS.signatureHash} characters of letters, digits, +, / or =.`,
          {
            index,
            field: `${where}.signature_hash`,
            params: { ...params, length: LIMITS.signatureHash },
          }
        )
      }
    })
  }
  if (
    String(button.otp_type).toUpperCase() === 'ZERO_TAP' &&
    button.zero_tap_terms_accepted !== true
  ) {
    issues.add(
      'buttons',
      'zero_tap_terms_required',
      "accept Meta's zero-tap terms to create a zero-tap template.",
      { index, field: 'zero_tap_terms_accepted' }
    )
  }
}

/**
 * Authentication templates have a fixed shape (reference §3.3): no header,
 * a body without text (Meta writes "<code> is your verification code",
 * optionally with the security line), an optional footer holding only
 * `code_expiration_minutes` (1–90), and exactly one OTP button.
 */
function checkAuthentication(issues: Issues, components: TemplateComponent[]) {
  const header = components.find((c) => c.type === 'HEADER')
  if (header?.format === 'LOCATION') {
    issues.add(
      'header',
      'header_location_category',
      'location headers are for utility and marketing templates only.',
      { field: 'format' }
    )
  } else if (header) {
    issues.add('header', 'auth_no_header', 'authentication templates have no header.')
  }

  const body = components.find((c) => c.type === 'BODY')
  if (!body) {
    issues.add('body', 'body_required', 'the body is required.')
  } else if (nonEmptyString(body.text)) {
    issues.add(
      'body',
      'auth_body_fixed',
      'the body of an authentication template is fixed by Meta; leave the text empty.',
      {
        field: 'text',
      }
    )
  }
  const footer = components.find((c) => c.type === 'FOOTER')
  if (footer) {
    if (nonEmptyString(footer.text)) {
      issues.add(
        'footer',
        'auth_footer_fixed',
        'the footer of an authentication template only shows the code expiry.',
        {
          field: 'text',
        }
      )
    }
    const minutes = footer.code_expiration_minutes
    if (
      minutes !== undefined &&
      (!Number.isInteger(minutes) ||
        minutes < LIMITS.codeExpirationMin ||
        minutes > LIMITS.codeExpirationMax)
    ) {
      issues.add(
        'footer',
        'code_expiration_range',
        `the code expiry is ${LIMITS.codeExpirationMin} to ${LIMITS.codeExpirationMax} minutes.`,
        {
          field: 'code_expiration_minutes',
          params: { min: LIMITS.codeExpirationMin, max: LIMITS.codeExpirationMax },
        }
      )
    }
  }
  const buttons = components.find((c) => c.type === 'BUTTONS')?.buttons ?? []
  const otp = buttons.filter((button) => button.type === 'OTP')
  if (otp.length !== 1 || buttons.length !== 1) {
    issues.add(
      'buttons',
      'auth_otp_required',
      'an authentication template has exactly one one-time-password button.'
    )
  }
  buttons.forEach((button, index) => {
    if (button.type !== 'OTP') return
    if (!button.otp_type || !(OTP_TYPES as readonly string[]).includes(button.otp_type)) {
      issues.add(
        'buttons',
        'otp_type_invalid',
        `otp_type must be one of ${OTP_TYPES.join(', ')}.`,
        {
          index,
          field: 'otp_type',
        }
      )
      return
    }
    checkOtpButton(issues, button, index)
  })
}

export function validateTemplate(input: TemplateDraft): TemplateIssue[] {
  const issues = new Issues()
  const name = input.name ?? ''
  if (!name) {
    issues.add('name', 'name_required', 'a name is required.', { field: 'name' })
  } else {
    if (chars(name) > LIMITS.name) {
      issues.add('name', 'name_too_long', `at most ${LIMITS.name} characters.`, {
        field: 'name',
        params: { max: LIMITS.name },
      })
    }
    if (!NAME_PATTERN.test(name)) {
      issues.add('name', 'name_format', 'only lowercase letters, digits and underscores.', {
        field: 'name',
      })
    }
  }
  if (!LANGUAGE_PATTERN.test(input.language ?? '')) {
    issues.add('language', 'language_format', 'a language code such as en, en_US or pt_BR.', {
      field: 'language',
    })
  }
  const category = input.category
  if (!(CATEGORIES as readonly string[]).includes(category)) {
    issues.add('category', 'category_invalid', `one of ${CATEGORIES.join(', ')}.`, {
      field: 'category',
    })
  }

  const components = Array.isArray(input.components) ? input.components : []
  const kinds = ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'] as const
  for (const kind of kinds) {
    if (components.filter((component) => component.type === kind).length > 1) {
      issues.add(
        kind.toLowerCase() as TemplateIssueComponent,
        'component_duplicate',
        'only one per template.'
      )
    }
  }

  if (category === 'AUTHENTICATION') {
    checkAuthentication(issues, components)
    return issues.list
  }

  const format = input.parameterFormat ?? detectParameterFormat(components)
  const header = components.find((c) => c.type === 'HEADER')
  const body = components.find((c) => c.type === 'BODY')
  const footer = components.find((c) => c.type === 'FOOTER')
  const buttons = components.find((c) => c.type === 'BUTTONS')
  if (header) checkHeader(issues, header, category, format)
  if (body) checkBody(issues, body, format)
  else issues.add('body', 'body_required', 'the body text is required.', { field: 'text' })
  if (footer) checkFooter(issues, footer)
  if (buttons) checkButtons(issues, buttons.buttons ?? [], category)
  return issues.list
}
