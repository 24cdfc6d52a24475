import { test } from '@japa/runner'
import {
  buildSendComponents,
  cleanValue,
  renderPreviewText,
  resolveValues,
  templateVariables,
  valuesFromSendComponents,
  type MessageTemplateLike,
} from '#templates/services/render'

const contact = {
  fields: {
    name: 'Jessica Alba',
    first_name: 'Jessica',
    last_name: 'Alba',
    phone: '+15550001111',
    email: null,
    country: 'US',
    locale: null,
    timezone: null,
  },
  custom: { plan: 'Gold', empty: null },
}

test.group('Template rendering', () => {
  test('variables in send order with their examples', ({ assert }) => {
    const template: MessageTemplateLike = {
      name: 't',
      language: 'en',
      parameterFormat: 'positional',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['42'] } },
        { type: 'BODY', text: '{{2}} then {{1}} and {{2}}', example: { body_text: [['a', 'b']] } },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Ok' },
            { type: 'URL', text: 'Go', url: 'https://x.test/{{1}}', example: ['p'] },
            { type: 'URL', text: 'Static', url: 'https://x.test/' },
            { type: 'COPY_CODE', example: 'C1' },
          ],
        },
      ],
    }
    assert.deepEqual(
      templateVariables(template).map((v) => [v.key, v.example, v.buttonIndex ?? null]),
      [
        ['header.1', '42', null],
        ['body.1', 'a', null],
        ['body.2', 'b', null],
        ['button.1', 'p', 1],
        ['button.3', 'C1', 3],
      ]
    )
  })

  test('resolveValues: field, custom, text, fallback, cleaning and missing', ({ assert }) => {
    const vars = templateVariables({
      parameterFormat: 'named',
      components: [{ type: 'BODY', text: '{{a}} {{b}} {{c}} {{d}} {{e}}' }],
    })
    const result = resolveValues(
      {
        'body.a': { source: 'field', key: 'first_name' },
        'body.b': { source: 'custom', key: 'plan' },
        'body.c': { source: 'text', text: 'line\none\t  two      three' },
        'body.d': { source: 'custom', key: 'empty', fallback: 'friend' },
        'body.e': { source: 'field', key: 'email' },
      },
      vars,
      contact
    )
    assert.deepEqual(result.values, {
      'body.a': 'Jessica',
      'body.b': 'Gold',
      'body.c': 'line one   two three',
      'body.d': 'friend',
    })
    assert.deepEqual(result.missing, ['body.e'])
    assert.equal(cleanValue('a     b'), 'a b')
    assert.equal(cleanValue('a    b'), 'a    b')
  })

  test('authentication: one code, sent twice (body and button)', ({ assert }) => {
    const template: MessageTemplateLike = {
      name: 'otp',
      language: 'en',
      category: 'AUTHENTICATION',
      parameterFormat: 'positional',
      components: [
        { type: 'BODY', add_security_recommendation: true },
        { type: 'FOOTER', code_expiration_minutes: 10 },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy' }] },
      ],
    }
    assert.deepEqual(
      templateVariables(template).map((v) => v.key),
      ['body.1']
    )
    assert.deepEqual(buildSendComponents(template, { 'body.1': '123456' }), [
      { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
      {
        type: 'button',
        sub_type: 'url',
        index: '0',
        parameters: [{ type: 'text', text: '123456' }],
      },
    ])
    assert.deepEqual(renderPreviewText(template, { 'body.1': '123456' }), {
      header: null,
      body: '123456 is your verification code.',
      footer: 'This code expires in 10 minutes.',
    })
  })

  test('media and location headers; values read back from send components', ({ assert }) => {
    const image: MessageTemplateLike = {
      name: 'img',
      language: 'en',
      parameterFormat: 'positional',
      components: [
        {
          type: 'HEADER',
          format: 'IMAGE',
          example: { header_handle: ['https://cdn.test/sample.jpg'] },
        },
        { type: 'BODY', text: 'Hi {{1}}' },
      ],
    }
    const components = buildSendComponents(image, { 'body.1': 'Sam' })
    assert.deepEqual(components[0], {
      type: 'header',
      parameters: [{ type: 'image', image: { link: 'https://cdn.test/sample.jpg' } }],
    })
    assert.deepEqual(
      buildSendComponents(image, { 'body.1': 'Sam', 'header.media': '123456789' })[0],
      { type: 'header', parameters: [{ type: 'image', image: { id: '123456789' } }] }
    )
    assert.deepEqual(valuesFromSendComponents(image, components), {
      'header.media': 'https://cdn.test/sample.jpg',
      'body.1': 'Sam',
    })

    const place: MessageTemplateLike = {
      name: 'loc',
      language: 'en',
      parameterFormat: 'named',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'See you, {{name}}' },
      ],
    }
    const values = {
      'header.latitude': '37.48',
      'header.longitude': '-122.14',
      'header.name': 'HQ',
      'header.address': '1 Hacker Way',
      'body.name': 'Sam',
    }
    const sent = buildSendComponents(place, values)
    assert.deepEqual(sent, [
      {
        type: 'header',
        parameters: [
          {
            type: 'location',
            location: { latitude: 37.48, longitude: -122.14, name: 'HQ', address: '1 Hacker Way' },
          },
        ],
      },
      { type: 'body', parameters: [{ type: 'text', parameter_name: 'name', text: 'Sam' }] },
    ])
    assert.deepEqual(valuesFromSendComponents(place, sent), values)
    assert.deepEqual(renderPreviewText(place, values), {
      header: 'HQ',
      body: 'See you, Sam',
      footer: null,
    })
  })
})
