"""Publishing answers where the citizen wrote: the ``Publication`` row (models), the platforms'
clients and what each can answer (platforms), and the sender (delivery)."""
