import { defineConfig } from 'vite'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import tailwindcss from '@tailwindcss/vite'
import inertia from '@adonisjs/inertia/client'
import adonisjs from '@adonisjs/vite/client'

export default defineConfig({
  plugins: [
    inertia({ ssr: { enabled: false } }),
    vue(),
    tailwindcss(),
    adonisjs({
      entrypoints: ['resources/js/app.ts'],
      reload: ['resources/views/**/*.edge'],
    }),
  ],
  // Tests load pages through the in-process dev server; they need no HMR socket.
  server: { hmr: process.env.NODE_ENV === 'test' ? false : undefined },
  resolve: {
    alias: {
      '~/': fileURLToPath(new URL('./resources/js/', import.meta.url)),
    },
  },
})
