import { defineConfig } from 'vite';

/**
 * Built into `dist/`, which the gateway serves at `/admin/console/`. Nothing is inlined (the gateway's
 * CSP allows only same-origin scripts, styles and images) and the SDK is read from source.
 */
export default defineConfig({
  base: '/admin/console/',
  resolve: { conditions: ['@ws/source', 'browser', 'module', 'import', 'default'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
