-- Vigie store, schema version 9: the index of bank entries by (signal, value) alone goes. Every lookup of an
-- entry names its bank and uses the unique (bank_id, signal, value) index; the second one only doubled the cost
-- of every insert of a hash-list import (random keys, one more B-tree to keep in the page cache).
DROP INDEX IF EXISTS bank_entries_value;
