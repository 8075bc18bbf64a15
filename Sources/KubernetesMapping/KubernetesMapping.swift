// The mapping: API objects to the desired model.
