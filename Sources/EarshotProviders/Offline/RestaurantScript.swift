extension ScriptedLanguageModel {
    /// The built-in demo script: the front desk of a small restaurant. It greets, books a table
    /// (asking for the party and time, then confirming), gives the opening hours, the address
    /// and a word on the menu, and says goodbye (ending the call) on thanks or "no, that's all".
    /// Written for pocketsphinx's output: lower case, numbers as words. Copy it to a file, edit
    /// it, and point `EARSHOT_SCRIPT` at the file to change the conversation.
    public static let restaurantScriptJSON = #"""
    {
      "greeting": "Hello, thanks for calling Bella Vista. I can book you a table, or tell you our opening hours and address. How can I help?",
      "fallback": "Sorry, I didn't catch that. I can book a table, or tell you our opening hours or our address.",
      "rules": [
        {
          "name": "booked",
          "after": ["booking"],
          "match": ["people", "person", "guests", "of us", "tonight", "tomorrow", "today", "evening",
                    "lunch", "dinner", "o'clock", "pm", "noon", "friday", "saturday", "sunday",
                    "monday", "tuesday", "wednesday", "thursday", "one", "two", "three", "four",
                    "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
          "reply": "Lovely, that's booked, and we'll text you a confirmation. Is there anything else I can help with?"
        },
        {
          "name": "booking",
          "match": ["book", "booking", "reservation", "reserve", "table"],
          "reply": "I'd be happy to book a table. For how many people, and what day and time?"
        },
        {
          "name": "hours",
          "match": ["open", "opening", "hours", "close", "closing", "what time", "when"],
          "reply": "We're open Tuesday to Sunday, from noon until ten in the evening, and closed on Mondays. Is there anything else?"
        },
        {
          "name": "address",
          "match": ["address", "where", "located", "location", "find you", "directions", "parking", "park"],
          "reply": "We're at twelve Harbour Street, next to the old lighthouse, with free parking behind the building. Is there anything else?"
        },
        {
          "name": "menu",
          "match": ["menu", "food", "vegetarian", "vegan", "gluten", "allergy", "allergies", "dishes"],
          "reply": "We cook Italian, with plenty of vegetarian dishes, and gluten-free pasta on request. Is there anything else?"
        },
        {
          "name": "more",
          "after": ["booked", "hours", "address", "menu"],
          "match": ["yes", "yeah", "yep", "sure", "actually"],
          "reply": "Of course. What else can I do for you?"
        },
        {
          "name": "goodbye",
          "match": ["bye", "goodbye", "thank you", "thanks", "that's all", "that's it", "nothing else",
                    "no", "nope", "all good", "cheers"],
          "reply": "Thank you for calling Bella Vista. Have a lovely day, goodbye!",
          "end": true
        }
      ]
    }
    """#
}
