import { test } from '@japa/runner'
import { detectLanguage } from '#inbox/services/language'

test.group('Conversation language from the first message', () => {
  test('scripts decide; Latin text needs clear common words; otherwise unknown', ({ assert }) => {
    const cases: [string | null, string | null][] = [
      ['مرحبا، هل طلبي في الطريق؟', 'ar'],
      ['नमस्ते, मेरा ऑर्डर कहाँ है?', 'hi'],
      ['Здравствуйте, где мой заказ?', 'ru'],
      ['注文はいつ届きますか', 'ja'],
      ['我的订单什么时候到', 'zh'],
      ['안녕하세요 주문 확인 부탁드립니다', 'ko'],
      ['Hola, ¿dónde está mi pedido? Gracias', 'es'],
      ['Olá, quando chega o meu pedido? Obrigado', 'pt'],
      ['Bonjour, je veux suivre ma commande, merci', 'fr'],
      ['Hallo, wann kommt meine Bestellung? Danke', 'de'],
      ['Hello, where is my order please', 'en'],
      ['ok', null],
      ['👍👍', null],
      ['iPhone 15 Pro', null],
      ['', null],
      [null, null],
    ]
    for (const [text, expected] of cases) {
      assert.equal(detectLanguage(text), expected, `${text}`)
    }
  })
})
