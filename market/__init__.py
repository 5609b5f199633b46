"""中介超市, the intermediary marketplace: onboarding, announcements, verifiable selection,
contract to rating, credit and supervision. Other packages import ``market.api`` only."""
