-- Vigie store, schema version 3: the PDQ perceptual hash of each image and its quality (0 to 100), computed at
-- ingest. NULL for media that are not images, cannot be decoded, or are under 5 pixels a side. Media stored by an
-- earlier version gain their hash when their file is scanned again.
ALTER TABLE media ADD COLUMN pdq TEXT;
ALTER TABLE media ADD COLUMN pdq_quality INTEGER;
