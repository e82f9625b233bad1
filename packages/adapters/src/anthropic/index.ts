export type { InstrumentAnthropicOptions } from './instrument.js';
export { instrumentAnthropic, uninstrumentAnthropic } from './instrument.js';
