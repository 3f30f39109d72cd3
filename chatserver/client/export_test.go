package client

// SetWordBatches shrinks a's listing page and POST batches, so tests
// exercise paging and batching with a few hundred words instead of
// thousands.
func SetWordBatches(a *Admin, page, addWords, addBytes int) {
	a.wordPage, a.addBatchWords, a.addBatchBytes = page, addWords, addBytes
}
