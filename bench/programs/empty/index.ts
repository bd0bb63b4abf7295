// Nothing: `preview --refresh` of this stack is what the engine costs before any resource.
export {};
