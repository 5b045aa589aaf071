enum CenterServerPlaceholder {}
