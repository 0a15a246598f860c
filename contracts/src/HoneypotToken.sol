// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title HoneypotToken
/// @notice For scan tests only: a token its holders cannot move. Minting works, and so do
/// transfers by the deployer (so it can seed holders), but any other holder's transfer reverts,
/// which is what a honeypot does to the people it lures into buying it.
contract HoneypotToken is ERC20 {
    address private immutable owner;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        owner = msg.sender;
    }

    /// @notice Creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        require(from == address(0) || from == owner, "trading is not enabled");
        super._update(from, to, value);
    }
}
