// The SEARCH, SORT and THREAD engines of the IMAP server, in one import: evaluating search keys
// against message views, ESEARCH result data, RFC 5256 base subjects, SORT and THREAD.
// Pure code over SearchableMessage (message.ts); the server supplies the views and writes the
// responses. Standards: see each module (RFC 9051 §6.4.4, RFC 4731, RFC 5182, RFC 5256,
// RFC 5267, RFC 5957, RFC 7162, RFC 8474, RFC 8514, RFC 9394).

export type { SearchableMessage, SearchContext } from './message.ts';
export { containsModSeq, matches, MAX_SEARCH_KEY_DEPTH, searchIds, type SearchHits } from './evaluate.ts';
export { esearchModSeq, esearchResult, formatEsearchData, savedResult, type EsearchData } from './esearch.ts';
export { formatSequenceSet } from './sequence-set.ts';
export { baseSubject, type BaseSubject } from './base-subject.ts';
export { sortMessages } from './sort.ts';
export { formatThreads, threadOrderedSubject, threadReferences, type Thread } from './thread.ts';
