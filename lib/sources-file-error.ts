/** A sources file that cannot be used, with the entry and field named (`sources[3].domain must be …`). */
export class SourcesFileError extends Error {}
