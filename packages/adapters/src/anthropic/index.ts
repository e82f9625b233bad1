export type { AdapterOptions } from '../shared/options.js';
export type { InstrumentAnthropicOptions } from './instrument.js';
export { instrumentAnthropic, uninstrumentAnthropic } from './instrument.js';
