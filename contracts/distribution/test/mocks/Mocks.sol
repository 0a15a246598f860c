// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// Plain OpenZeppelin ERC-20, the reference token for gas figures.
contract MockERC20 is ERC20 {
    constructor() ERC20("Mock", "MOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// Transfer functions that return nothing, like USDT.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// Pulls succeed but `transfer` reports failure by returning false instead of reverting.
contract FalseTransferToken is MockERC20 {
    function transfer(address, uint256) public pure override returns (bool) {
        return false;
    }
}

/// Calls back into a target during every transfer, to prove claims are safe against re-entry.
contract ReentrantToken is MockERC20 {
    address public target;
    bytes public payload;
    bytes public lastRevert;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t != address(0)) {
            target = address(0); // once
            (bool ok, bytes memory ret) = t.call(payload);
            require(!ok, "re-entry succeeded");
            lastRevert = ret;
        }
    }
}

/// EIP-1271 contract wallet controlled by one ECDSA key.
contract MockWallet1271 is IERC1271 {
    address public immutable signer;

    constructor(address signer_) {
        signer = signer_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address got, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return
            err == ECDSA.RecoverError.NoError && got == signer ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

/// Refuses the native coin.
contract RejectingReceiver {
    receive() external payable {
        revert("no thanks");
    }
}
