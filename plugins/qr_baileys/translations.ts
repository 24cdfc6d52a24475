/** Messages exposed as `plugins.qr_baileys.<key>` (English is the fallback). */
export const translations: Record<string, Record<string, string>> = {
  en: {
    'nav': 'QR numbers',
    'title': 'WhatsApp numbers by QR code',
    'description':
      'Link a WhatsApp or WhatsApp Business app number by scanning a QR code. Unofficial: WhatsApp may ban numbers used this way.',
    'risk':
      'This uses the unofficial WhatsApp Web protocol (Baileys). It is not allowed by WhatsApp’s terms; numbers can be restricted or banned. Pacing below lowers the risk, it does not remove it. Use the official Cloud API for anything important.',
    'add_label': 'Name of the new number',
    'add': 'Add a QR number',
    'empty': 'No QR number yet.',
    'state.connecting': 'Connecting',
    'state.open': 'Connected',
    'state.closed': 'Disconnected, reconnecting',
    'state.logged_out': 'Logged out',
    'since': 'since {at}',
    'scan': 'Open WhatsApp on the phone → Linked devices → Link a device, and scan this code.',
    'expires': 'New code in {seconds} s',
    'waiting_qr': 'Waiting for a QR code from WhatsApp…',
    'pairing_label': 'Or link with a code: phone number with country code',
    'pairing_request': 'Get a pairing code',
    'pairing_code':
      'Enter this code on the phone (Linked devices → Link with phone number): {code}',
    'connect': 'Connect',
    'disconnect': 'Log out',
    'logged_out_help':
      'The phone removed this linked device (or it expired). Press Connect and scan a new QR code.',
    'sent_today': '{count} of {cap} messages sent today',
    'timeline':
      'Connecting {connecting} · opened {opened} · closed {closed} · logged out {loggedOut}',
    'never': '—',
    'open_page': 'Manage QR numbers',
    'card.title': 'QR-code numbers',
    'card.body':
      '{count, plural, =0 {No QR number linked.} one {# QR number} other {# QR numbers}}',
    'flash.created': 'Number added. Scan the QR code to link it.',
    'flash.connecting': 'Connecting… the QR code appears in a few seconds.',
    'flash.disconnecting': 'Logging the number out…',
    'notifications.logged_out':
      'A QR number was logged out of WhatsApp. Open QR numbers and press Connect to scan a new code.',
    'settings.pacing_enabled': 'Pace sends (anti-ban)',
    'settings.pacing_enabled_help':
      'Random pauses between messages, a pause after each batch and a daily cap. Lowers the risk of a ban; no guarantee.',
    'settings.min_delay': 'Shortest pause between messages (seconds)',
    'settings.max_delay': 'Longest pause between messages (seconds)',
    'settings.batch_size': 'Messages per batch',
    'settings.batch_size_help': '0 turns batch pauses off.',
    'settings.batch_pause': 'Pause after each batch (seconds)',
    'settings.daily_cap': 'Messages per number per day',
    'settings.daily_cap_help': 'Counted per UTC day. Further messages fail with a clear reason.',
  },
}
