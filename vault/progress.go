package vault

// track adds n secrets to the total the progress callback reports.
func (c *Client) track(n int) {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	c.total += n
	c.progressMu.Unlock()
}

// finished reports one more secret done.
func (c *Client) finished() {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	defer c.progressMu.Unlock() // one line at a time
	c.done++
	c.opts.Progress(c.done, c.total, false)
}

// batchOver tells the progress callback that a Get or GetMatching ended.
func (c *Client) batchOver() {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.opts.Progress(c.done, c.total, true)
}
