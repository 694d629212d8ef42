"""Village kiosk (村级为民服务室): villagers apply here, online or not."""
