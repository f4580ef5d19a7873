import { packageBuild } from '../../tsup.config.base';

// Two entries: the stable front door and `@ws/server/internal`; what both use is one shared chunk, so a
// class is the same class whichever entry it was imported from.
export default packageBuild({ entry: ['src/index.ts', 'src/internal.ts'] });
