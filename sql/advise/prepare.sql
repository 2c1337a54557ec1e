PREPARE pgtune_advise AS {statement}
