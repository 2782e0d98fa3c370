"""China Patent Awards bot: answers questions about the 2025 awards and runs quizzes."""
