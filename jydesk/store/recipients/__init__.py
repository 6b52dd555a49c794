"""After approval: the 在保对象 register, reviews and proofs of life, proposed changes and life
events (``jydesk.domain.benefits``). Lists read with plain SQL (``store.sql()``)."""
