/** A problem in the sources file (or in what it points to), named by entry index and key, or by source id. */
export class SourcesFileError extends Error {}
