"""Generated Kafka topic dumps for the demo: business entities as topics, order CDC, clickstream."""
