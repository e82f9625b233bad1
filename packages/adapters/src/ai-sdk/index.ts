export type { AdapterOptions } from '../shared/options.js';
export type { InstrumentAgentOptions, MeasureAgentOptions } from './agent.js';
export { instrumentAgent, measureAgent, uninstrumentAgent } from './agent.js';
export type {
  GenAiMiddleware,
  GenAiMiddlewareCall,
  GenAiMiddlewareOptions,
  ModelResult,
} from './middleware.js';
export { genAiMiddleware } from './middleware.js';
export type { InstrumentToolsOptions } from './tools.js';
export { instrumentTools } from './tools.js';
