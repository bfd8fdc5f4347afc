// Types of eslint/layers.js for the tests that read its table.
export declare const LAYERS: Record<string, readonly string[]>;
export declare function layerOf(relToSrc: string): string;
declare const plugin: { rules: Record<string, unknown> };
export default plugin;
