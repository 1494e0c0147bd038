"""AWS adapters: the DynamoDB lock and webhook de-duplication, Secrets Manager."""
