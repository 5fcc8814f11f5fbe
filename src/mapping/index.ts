/**
 * The mapping engine: flow mappings compiled once per version (plain copies as direct property access,
 * JSONata for the rest), the domain function library, validation against target schemas, preview and
 * flow tests. Imports only src/core.
 */
export { compileFlow } from './compile.js';
export type { CompiledFlowWithSync, CompiledTargetWithSync } from './compile.js';
export { validateRecord } from './validate.js';
export type { ValidationContext } from './validate.js';
export { previewFlow } from './preview.js';
export type { FlowPreview, PreviewOptions, TargetPreview } from './preview.js';
export { runFlowTests, formatTestReport } from './flow-test.js';
export type { FlowTestContext, FormatOptions } from './flow-test.js';
export { LIBRARY } from './functions/index.js';
export { FUNCTION_CATALOGUE } from './functions/catalogue.js';
export type { FunctionInfo, FunctionParam } from './functions/catalogue.js';
export { suggestMappings, normaliseName } from './suggest.js';
export type { MappingSuggestion, SuggestInput } from './suggest.js';
export type {
  CompileOptions,
  CompiledFlow,
  CompiledLookup,
  CompiledTarget,
  EntityResolver,
  FieldDiff,
  FlowTestCaseResult,
  FlowTestReport,
  MappedRecord,
  MappingContext,
  MappingFunction,
  MappingOutcome,
  TargetTestResult,
  XrefArgs,
} from './types.js';
