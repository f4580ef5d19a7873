import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace';

// Vitest does not read vitest.workspace.ts by itself any more: the list lives there and is imported here.
export default defineConfig({
  test: {
    projects,
    passWithNoTests: false,
  },
});
