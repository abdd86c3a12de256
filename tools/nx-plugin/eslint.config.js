// The root config, plus this plugin's own JavaScript: the generators are plain ESM JavaScript
// with JSDoc types (see src/generators/service/service-generator.js for why), which the root
// config would skip as build output. They get the same type-aware rules as TypeScript code.
import rootConfig from '../../eslint.config.js';

export default [...rootConfig, { ignores: ['!src/**/*.js'] }];
