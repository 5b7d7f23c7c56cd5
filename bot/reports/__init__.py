"""Reports and summaries: collecting 汇报 from a list of people, the weekly chart, exports."""
