// Public surface of the bmf_filter agent.
export { filterBmf, type BmfFilterResult, type FilterBmfOptions } from './filter-bmf';
export { BMF_COLUMNS, BMF_HEADER_LINE, type BmfColumn } from './bmf-columns';
export type { BmfOrganization } from './bmf-organization';
export { DEFAULT_LIMIT, MAX_LIMIT, type BmfFilters, type BmfSortKey, type SortOrder } from './bmf-filters';
export { BmfDataNotFoundError, BmfHeaderError, InvalidFiltersError } from './errors';
export { parseCsvLine } from './csv-line';
