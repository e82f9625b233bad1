export { inferProvider } from '../shared/http-sdk/server.js';
export type { AdapterOptions } from '../shared/options.js';
export type { InstrumentOpenAIOptions } from './instrument.js';
export { instrumentOpenAI, OPERATION_NAME, uninstrumentOpenAI } from './instrument.js';
