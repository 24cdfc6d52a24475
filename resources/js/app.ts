import '../css/app.css'
import { createApp, h, type DefineComponent } from 'vue'
import { createInertiaApp, router } from '@inertiajs/vue3'
import { resolvePageComponent } from '@adonisjs/inertia/helpers'
import type { Direction } from '~/types'

/**
 * The server sets <html lang dir> on the first load; client-side visits
 * keep them in sync with the `locale` / `direction` props.
 */
function syncDocumentLanguage(props: Record<string, unknown>) {
  const root = document.documentElement
  const locale = typeof props.locale === 'string' ? props.locale : null
  const direction = props.direction as Direction | undefined
  if (locale && root.lang !== locale) root.lang = locale
  if ((direction === 'rtl' || direction === 'ltr') && root.dir !== direction) root.dir = direction
}

createInertiaApp({
  progress: { color: '#059669', delay: 150 },

  title: (title) => (title ? `${title} · Parley` : 'Parley'),

  // Plugin pages render as `plugins/<id>/<page>` from plugins/<id>/ui/pages/<page>.vue.
  resolve: (name) => {
    const plugin = /^plugins\/([a-z][a-z0-9_]*)\/(.+)$/.exec(name)
    if (plugin) {
      return resolvePageComponent(
        `../../plugins/${plugin[1]}/ui/pages/${plugin[2]}.vue`,
        import.meta.glob<DefineComponent>('../../plugins/*/ui/pages/**/*.vue')
      )
    }
    return resolvePageComponent(
      `./pages/${name}.vue`,
      import.meta.glob<DefineComponent>('./pages/**/*.vue')
    )
  },

  setup({ el, App, props, plugin }) {
    syncDocumentLanguage(props.initialPage.props)
    // `navigate` covers visits and back/forward; `success` also fires when a
    // form redirects back to the same URL (saving the profile's language).
    router.on('navigate', (event) => syncDocumentLanguage(event.detail.page.props))
    router.on('success', (event) => syncDocumentLanguage(event.detail.page.props))
    createApp({ render: () => h(App, props) })
      .use(plugin)
      .mount(el)
  },
})
