import { test } from '@japa/runner'
import { componentsFromMeta, normalizeOtpButton, otpButtonFromMeta } from '#templates/otp'
import type { TemplateComponent } from '#templates/types'

const SHOP = { package_name: 'com.example.shop', signature_hash: 'K8a/AINcGX7' }

test.group('OTP buttons in Meta’s shape', () => {
  test('one-tap: trimmed, apps kept, zero-tap terms not sent', ({ assert }) => {
    assert.deepEqual(
      normalizeOtpButton({
        type: 'OTP',
        otp_type: 'ONE_TAP',
        text: '  ',
        autofill_text: ' Fill ',
        zero_tap_terms_accepted: true,
        supported_apps: [{ package_name: ' com.example.shop ', signature_hash: 'K8a/AINcGX7 ' }],
      }),
      { type: 'OTP', otp_type: 'ONE_TAP', autofill_text: 'Fill', supported_apps: [SHOP] }
    )
  })

  test('copy code carries no app fields; other buttons pass unchanged', ({ assert }) => {
    assert.deepEqual(
      normalizeOtpButton({
        type: 'OTP',
        otp_type: 'COPY_CODE',
        text: 'Copy',
        supported_apps: [SHOP],
        autofill_text: 'x',
      }),
      { type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy' }
    )
    const quick = { type: 'QUICK_REPLY' as const, text: 'Yes', supported_apps: [SHOP] }
    assert.strictEqual(normalizeOtpButton(quick), quick)
  })

  test('button-level package_name / signature_hash (v20) fold into supported_apps', ({
    assert,
  }) => {
    assert.deepEqual(normalizeOtpButton({ type: 'OTP', otp_type: 'ZERO_TAP', ...SHOP }), {
      type: 'OTP',
      otp_type: 'ZERO_TAP',
      supported_apps: [SHOP],
    })
  })

  test('Meta’s URL read shape becomes the OTP button again, several apps in order', ({
    assert,
  }) => {
    const url =
      'https://www.whatsapp.com/otp/code/?otp_type=ZERO_TAP&cta_display_name=Autofill' +
      '&package_name=com.example.shop&signature_hash=K8a%2FAINcGX7' +
      '&package_name=com.example.beta&signature_hash=Zx9%2BAbCd%3D12&code=otp{{1}}'
    assert.deepEqual(otpButtonFromMeta({ type: 'URL', text: 'Copy code', url }), {
      type: 'OTP',
      otp_type: 'ZERO_TAP',
      text: 'Copy code',
      autofill_text: 'Autofill',
      supported_apps: [SHOP, { package_name: 'com.example.beta', signature_hash: 'Zx9+AbCd=12' }],
      zero_tap_terms_accepted: true,
    })
    assert.deepEqual(
      otpButtonFromMeta({
        type: 'URL',
        text: 'Copy code',
        url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code_expiration_minutes=5&code=otp{{1}}',
      }),
      { type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }
    )
    const site = { type: 'URL' as const, text: 'Open', url: 'https://example.com/{{1}}' }
    assert.strictEqual(otpButtonFromMeta(site), site)
  })

  test('only authentication templates are rewritten on read', ({ assert }) => {
    const components: TemplateComponent[] = [
      { type: 'BODY', text: 'Hi there, see the site.' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'URL', text: 'x', url: 'https://www.whatsapp.com/otp/code/?otp_type=ONE_TAP' },
        ],
      },
    ]
    assert.deepEqual(componentsFromMeta('MARKETING', components), components)
    const auth = componentsFromMeta('AUTHENTICATION', components)
    assert.equal(auth[1].buttons![0].type, 'OTP')
    assert.equal(auth[1].buttons![0].otp_type, 'ONE_TAP')
  })
})
